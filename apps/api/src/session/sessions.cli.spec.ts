import { runSessionsCli } from './sessions.cli.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe(runSessionsCli.name, () => {
  it.each([[[]], [['list']], [['drop', '--email', 'a@example.com']], [['list', '--email']]])(
    'prints the usage for %j (exit 2)',
    async (argv) => {
      const t = io();
      expect(await runSessionsCli(argv, {}, t.io)).toBe(2);
      expect(t.err.join('\n')).toMatch(/usage: npm run sessions/);
    },
  );

  it('refuses what is not an email address', async () => {
    const t = io();
    expect(await runSessionsCli(['revoke', '--email', 'nope'], {}, t.io)).toBe(2);
    expect(t.err.join('\n')).toMatch(/not an email address/);
  });

  it('says clearly that the in-memory store of a running API cannot be reached (exit 2)', async () => {
    const t = io();
    expect(await runSessionsCli(['revoke', '--email', 'ada@example.com'], {}, t.io)).toBe(2);
    expect(t.err.join('\n')).toMatch(/cannot reach them/);
    expect(t.out).toEqual([]);
  });
});
