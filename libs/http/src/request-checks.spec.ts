import { boundaryOf } from './request-checks';

describe('boundaryOf', () => {
  it.each([
    ['multipart/form-data; boundary=XYZ', 'XYZ'],
    ['multipart/form-data;boundary=----WebKitFormBoundary7MA4YWxk', '----WebKitFormBoundary7MA4YWxk'],
    ['multipart/form-data; charset=utf-8; BOUNDARY="a b:c"', 'a b:c'],
    ['multipart/form-data; boundary=', ''],
  ])('reads %j', (contentType, boundary) => {
    expect(boundaryOf(contentType)).toBe(boundary);
  });

  it.each(['multipart/form-data', 'multipart/form-data; charset=utf-8', 'multipart/form-data; boundaryx=1'])('finds none in %j', (contentType) => {
    expect(boundaryOf(contentType)).toBeUndefined();
  });
});
