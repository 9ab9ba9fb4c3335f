import { s3StoreEnv } from '../../../test/support/http-app';
import { describeVersionUploads } from './version-uploads.suite';

describeVersionUploads('s3', s3StoreEnv);
