// Runs first in npm start, npm run dev, npm test and npm run emulators: on a Node too old for
// the project, one sentence saying which Node is needed and how to get it, instead of a stack
// trace from deep inside a dependency. Plain old syntax (no ?., ??, imports) so that any Node
// still able to load an .mjs file can parse it and say so.
var MINIMUM = [22, 12];
var parts = process.versions.node.split('.');
var major = Number(parts[0]);
var minor = Number(parts[1]);

if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
  console.error(
    'Portcullis needs Node ' +
      MINIMUM.join('.') +
      ' or newer (it targets Node 24) and this is ' +
      'Node ' +
      process.versions.node +
      ': run `nvm install` (it reads .nvmrc), or ' +
      '`npm install --prefix .local/node --no-save node@24` then ' +
      '`export PATH="$PWD/.local/node/node_modules/.bin:$PATH"`, as the README\'s first section says.',
  );
  process.exit(1);
}
