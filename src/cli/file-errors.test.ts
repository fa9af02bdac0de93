import { describeFileError } from './file-errors';

const fsError = (code: string, path?: string) => Object.assign(new Error(`${code}: something, open '${path}'`), { code, ...(path ? { path } : {}) });

describe('describeFileError', () => {
  it('names the path and what to fix, without Node\'s wording', () => {
    expect(describeFileError(fsError('ENOENT', '/srv/x.csv'))).toBe('/srv/x.csv: there is no such file or folder. Check the path.');
    expect(describeFileError(fsError('EACCES', '/srv/x.csv'))).toBe('/srv/x.csv: permission denied. Choose a file you may read, or a folder you may write to.');
    expect(describeFileError(fsError('EISDIR', '/srv'))).toBe('/srv: this is a folder; name a file.');
  });

  it('still names the path for a code it has no words for', () => {
    expect(describeFileError(fsError('EMFILE', '/srv/x.csv'))).toBe('/srv/x.csv cannot be used (EMFILE).');
  });

  it('leaves errors that are not about a path to the caller', () => {
    expect(describeFileError(fsError('ECONNREFUSED'))).toBeUndefined();
    expect(describeFileError(new Error('boom'))).toBeUndefined();
    expect(describeFileError(undefined)).toBeUndefined();
    expect(describeFileError('ENOENT')).toBeUndefined();
  });
});
