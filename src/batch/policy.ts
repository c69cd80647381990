/**
 * The policy a batch job's lines run under now: the live one of the key that created the job
 * (KeyRegistry.policyOf: its tenant's, runtime tenants too, narrowed by the key's tier and models), or the
 * configured tenant's when no control plane is open; none in single-user mode. Intake, budgets and the
 * guards all read it, so a line is never judged by one policy and charged by another.
 */
import type { CompiledTenant, Snapshot } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';

export function batchPolicyOf(
  controlPlane: ControlPlane | undefined,
  snapshot: Snapshot,
  tenant: string,
  keyId: string | null,
): CompiledTenant | undefined {
  if (tenant === '') return undefined;
  return controlPlane === undefined
    ? snapshot.tenantsByName.get(tenant)
    : controlPlane.keys.policyOf(tenant, keyId, snapshot);
}
