import { describeError } from './logging';

describe('describeError', () => {
  it("keeps an error's class, code and status but not a message that can echo input", () => {
    const graph = Object.assign(new Error("The resource 'Amelia Okonkwo - SEN.xlsx' could not be found"), { name: 'GraphRequestError', code: 'itemNotFound', statusCode: 404 });
    expect(describeError(graph)).toEqual({ errorName: 'GraphRequestError', errorCode: 'itemNotFound', status: 404 });
    const pg = Object.assign(new Error('invalid input syntax for type uuid: "Amelia Okonkwo"'), { code: '22P02' });
    expect(JSON.stringify(describeError(pg))).not.toContain('Amelia');
    let parse: unknown;
    try {
      JSON.parse('Amelia Okonkwo said');
    } catch (err) {
      parse = err;
    }
    expect(JSON.stringify(describeError(parse))).not.toContain('Amelia');
  });

  it("keeps the runtime's messages about code, without which a bug cannot be found", () => {
    let bug: unknown;
    try {
      (undefined as unknown as { name: string }).name.trim();
    } catch (err) {
      bug = err;
    }
    expect(describeError(bug)).toMatchObject({ errorName: 'TypeError', errorMessage: expect.stringContaining("reading 'name'") });
  });
});
