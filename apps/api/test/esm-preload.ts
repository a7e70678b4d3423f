// jwks-rsa (CommonJS) require()s jose (ES module only). When a test's module graph imports
// both, Jest links them in one walk and refuses jwks-rsa's require(esm) as a cycle; Node
// itself does not. Loading jose first, before the test file, leaves it evaluated.
import 'jose';
