import { boundaryOf, isMultipartFormData } from './request-checks';

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

describe('isMultipartFormData', () => {
  // What the media type is, by the reading it replaced: the part before any ';', trimmed, lower-cased.
  const byParts = (contentType: string) => contentType.split(';', 1)[0].trim().toLowerCase() === 'multipart/form-data';

  it.each([
    ['multipart/form-data', true],
    ['multipart/form-data; boundary=XYZ', true],
    ['Multipart/Form-Data;boundary=x', true],
    ['  multipart/form-data \t; charset=utf-8', true],
    ['multipart/form-data;', true],
    ['multipart/form-datax; boundary=x', false],
    ['multipart/mixed; boundary=x', false],
    ['application/json', false],
    ['application/json; profile="multipart/form-data"', false],
    ['text/multipart/form-data', false],
    ['', false],
  ])('%j: %s', (contentType, expected) => {
    expect([isMultipartFormData(contentType), byParts(contentType)]).toEqual([expected, expected]);
  });
});
