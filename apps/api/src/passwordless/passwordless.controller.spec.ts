import { describeControllerAuth } from '../../test/controller-spec.js';
import { PasswordlessController } from './passwordless.controller.js';

describe(PasswordlessController.name, () => {
  // Signing in is how credentials are had; the flow itself is in test/flow.e2e-spec.ts.
  describeControllerAuth(PasswordlessController, ['start', 'verify']);
});
