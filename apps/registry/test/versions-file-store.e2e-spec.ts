import { fileStoreEnv } from '../../../test/support/http-app';
import { describeVersionUploads } from './version-uploads.suite';

describeVersionUploads('file', fileStoreEnv);
