import { toDriveItemRecord } from './drive-item-record';

describe('toDriveItemRecord', () => {
  it('maps the root, a shared folder, a file and a deleted record', () => {
    expect(toDriveItemRecord({ id: 'r', name: 'root', root: {}, folder: { childCount: 3 }, parentReference: { driveId: 'd' } }, 'd')).toMatchObject({ id: 'r', parentId: null, isRoot: true, isFolder: true, driveId: 'd' });
    expect(toDriveItemRecord({ id: 'f', name: 'SEN', folder: {}, shared: { scope: 'anonymous' }, parentReference: { id: 'r', driveId: 'd' } }, 'd')).toMatchObject({ parentId: 'r', isFolder: true, shared: { scope: 'anonymous' } });
    const file = toDriveItemRecord({ id: 'x', name: 'Class list.xlsx', file: { mimeType: 'text/csv', hashes: { quickXorHash: 'c1' } }, size: 10, parentReference: { id: 'f' } }, 'd');
    expect(file).toMatchObject({ isFolder: false, mimeType: 'text/csv', size: 10, contentVersion: 'c1' });
    expect(file.shared).toBeUndefined();
    expect(toDriveItemRecord({ id: 'u', name: 'n', shared: {}, file: {} }, 'd').shared).toEqual({});
    expect(toDriveItemRecord({ id: 'z', deleted: { state: 'deleted' } }, 'd')).toMatchObject({ id: 'z', deleted: true, name: '', parentId: null });
  });
});
