import { describeControllerAuth } from '../../test/controller-spec.js';
import { HealthController } from './health.controller.js';

describe(HealthController.name, () => {
  // Probes carry no credentials; what ready checks is in test/health.e2e-spec.ts.
  describeControllerAuth(HealthController, ['live', 'ready']);
});
