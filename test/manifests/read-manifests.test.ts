// Inputs as the CLI receives them: files, directories, globs, stdin; limits on size and
// encoding; one bad file never hides the others.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readManifests, STDIN_SOURCE } from '../../src/manifests/read-manifests.ts';
import { pathOf } from '../support/shown-findings.ts';

const TOOLHIVE_EXAMPLES = new URL('../../../shared/reference/toolhive-examples/', import.meta.url);
const OUR_EXAMPLES = new URL('../../examples/', import.meta.url);

let dir = '';
const file = (...parts: string[]): string => join(dir, ...parts);
const configMap = (name: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'read-manifests-'));
  await mkdir(file('tree', 'b-dir', 'nested'), { recursive: true });
  await mkdir(file('tree', '.hidden'), { recursive: true });
  await mkdir(file('tree', 'node_modules', 'pkg'), { recursive: true });
  await writeFile(file('tree', 'a.yaml'), configMap('a'));
  await writeFile(file('tree', 'c.yml'), configMap('c'));
  await writeFile(
    file('tree', 'B.json'),
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'B' } }),
  );
  await writeFile(file('tree', 'b-dir', 'x.yaml'), configMap('b-dir-x'));
  await writeFile(file('tree', 'b-dir', 'nested', 'y.yaml'), configMap('nested-y'));
  await writeFile(file('tree', 'notes.txt'), 'not: a manifest\n');
  await writeFile(file('tree', 'README.md'), '# not read\n');
  await writeFile(file('tree', '.hidden', 'h.yaml'), configMap('hidden'));
  await writeFile(file('tree', '.dotfile.yaml'), configMap('dotfile'));
  await writeFile(file('tree', 'node_modules', 'pkg', 'm.yaml'), configMap('module'));
  await symlink(file('tree', 'b-dir'), file('tree', 'z-link-to-dir'));
  await symlink(file('tree', 'a.yaml'), file('tree', 'z-link.yaml'));
  await writeFile(file('plain.txt'), configMap('named-explicitly'));
  await writeFile(file('broken.yaml'), 'kind: A\nspec: [\n');
  await writeFile(file('good.yaml'), configMap('good'));
  await writeFile(file('latin1.yaml'), Buffer.from('kind: A\nname: caf\xe9\n', 'latin1'));
  await writeFile(file('utf16.yaml'), Buffer.from('\ufeffkind: A\n', 'utf16le'));
  await writeFile(file('bom.yaml'), `\ufeff${configMap('bom')}`);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const names = (docs: { object: Record<string, unknown> }[]): unknown[] =>
  docs.map((d) => (d.object['metadata'] as Record<string, unknown> | undefined)?.['name']);

describe('directories', () => {
  test('recursive, .yaml/.yml/.json only, byte order, hidden entries and node_modules skipped', async () => {
    const { documents, errors } = await readManifests([file('tree')]);
    assert.deepEqual(errors, []);
    // Byte order (directories among files, as filepath.Walk does) puts upper case first;
    // symlinked files are read, symlinked directories are not.
    assert.deepEqual(names(documents), ['B', 'a', 'nested-y', 'b-dir-x', 'c', 'a']);
    assert.equal(documents[0]?.source, file('tree', 'B.json'));
  });

  test('the same file named twice is read once', async () => {
    const { documents } = await readManifests([file('tree', 'a.yaml'), file('tree', 'a.yaml')]);
    assert.equal(documents.length, 1);
  });

  test('a file named explicitly is read whatever its extension', async () => {
    const { documents, errors } = await readManifests([file('plain.txt')]);
    assert.deepEqual(errors, []);
    assert.deepEqual(names(documents), ['named-explicitly']);
  });

  test('relative paths resolve against cwd and keep their spelling in `source`', async () => {
    const { documents } = await readManifests(['tree/c.yml'], { cwd: dir });
    assert.equal(documents[0]?.source, 'tree/c.yml');
  });
});

describe('globs', () => {
  test('a pattern expands to its matches in order; matched directories are walked', async () => {
    const { documents, errors } = await readManifests([file('tree', '*.y*ml')]);
    assert.deepEqual(errors, []);
    assert.deepEqual(names(documents), ['a', 'c', 'a']);
    const nested = await readManifests(['tree/b-*'], { cwd: dir });
    assert.deepEqual(names(nested.documents), ['nested-y', 'b-dir-x']);
  });

  test('a pattern matching nothing is an input error', async () => {
    const { documents, errors } = await readManifests([file('nothing-*.yaml')]);
    assert.equal(documents.length, 0);
    assert.deepEqual(errors, [
      { source: file('nothing-*.yaml'), message: 'no files match this pattern' },
    ]);
  });
});

describe('stdin', () => {
  test('`-` reads the given stream, with positions', async () => {
    const stdin = Readable.from([
      Buffer.from(`${configMap('one')}---\n`),
      Buffer.from(configMap('two')),
    ]);
    const { documents, errors } = await readManifests(['-'], { stdin });
    assert.deepEqual(errors, []);
    assert.deepEqual(names(documents), ['one', 'two']);
    assert.equal(documents[1]?.source, STDIN_SOURCE);
    assert.equal(documents[1]?.line, 6);
  });

  test('stdin mixes with files in command-line order', async () => {
    const stdin = Readable.from([configMap('piped')]);
    const { documents } = await readManifests([file('good.yaml'), '-'], { stdin });
    assert.deepEqual(names(documents), ['good', 'piped']);
  });

  test('an endless stream stops at the size cap', async () => {
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024, 0x61));
      },
    });
    const { errors } = await readManifests(['-'], { stdin: endless, maxFileBytes: 1024 * 1024 });
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /larger than 1 MiB/);
  });
});

describe('problems are values and other files keep going', () => {
  test('a missing file, a broken file and a good file', async () => {
    const { documents, errors } = await readManifests([
      file('missing.yaml'),
      file('broken.yaml'),
      file('good.yaml'),
    ]);
    assert.deepEqual(names(documents), ['good']);
    assert.equal(errors.length, 2);
    assert.deepEqual(errors[0], {
      source: file('missing.yaml'),
      message: 'no such file or directory',
    });
    assert.equal(errors[1]?.source, file('broken.yaml'));
    assert.equal(typeof errors[1]?.line, 'number');
  });

  test('a file over the size cap is refused without being read', async () => {
    await writeFile(file('huge.yaml'), `data: "${'x'.repeat(2 * 1024 * 1024)}"\n`);
    const { documents, errors } = await readManifests([file('huge.yaml'), file('good.yaml')], {
      maxFileBytes: 1024 * 1024,
    });
    assert.deepEqual(names(documents), ['good']);
    assert.equal(errors[0]?.source, file('huge.yaml'));
    assert.match(errors[0]?.message ?? '', /larger than 1 MiB; refusing to read/);
  });

  test('invalid UTF-8 is an error at the offending byte', async () => {
    const { errors } = await readManifests([file('latin1.yaml')]);
    assert.equal(errors.length, 1);
    assert.deepEqual([errors[0]?.line, errors[0]?.column], [2, 10]);
    assert.match(errors[0]?.message ?? '', /invalid UTF-8 \(byte 0xe9/);
  });

  test('UTF-16 is named as such', async () => {
    const { errors } = await readManifests([file('utf16.yaml')]);
    assert.match(errors[0]?.message ?? '', /UTF-16/);
  });

  test('a UTF-8 byte-order mark is ignored', async () => {
    const { documents, errors } = await readManifests([file('bom.yaml')]);
    assert.deepEqual(errors, []);
    assert.deepEqual(names(documents), ['bom']);
  });
});

describe('reference corpora', () => {
  test("every file of ToolHive's examples parses without errors", async () => {
    const files = (await readdir(TOOLHIVE_EXAMPLES)).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.length > 0);
    const { documents, errors } = await readManifests([TOOLHIVE_EXAMPLES.pathname]);
    assert.deepEqual(errors, []);
    const entries = documents.filter((d) => d.object['kind'] === 'MCPServerEntry');
    assert.equal(entries.length, files.length);
    for (const entry of entries) assert.ok(entry.locate(pathOf('spec.remoteUrl')));
  });

  test('the bundled examples directory parses without errors, reviews included', async () => {
    const { documents, errors } = await readManifests([OUR_EXAMPLES.pathname]);
    assert.deepEqual(errors, []);
    const kinds = documents.map((d) => d.object['kind']);
    assert.ok(kinds.includes('MCPServerEntry'));
    assert.equal(kinds.filter((k) => k === 'AdmissionReview').length, 4);
  });
});
