// Guardrails rules across sections: a remote moderation backend (`llama-guard`, `openai`) must name the
// configured provider it calls, wherever it is set (the section, a model override, a tenant override),
// and the `openai` backend calls an OpenAI provider's /moderations. Works on the raw document, as the
// other cross-section rules do.

import { didYouMean } from './errors.ts';
import type { PathSegment } from './errors.ts';
import { isRecord } from './raw-document.ts';

type RawIssue = { path: PathSegment[]; message: string };

export function checkGuardrailsRules(root: Record<string, unknown>): RawIssue[] {
  const issues: RawIssue[] = [];
  const providers = isRecord(root.providers) ? root.providers : {};
  const check = (moderation: unknown, path: PathSegment[], inherited: unknown) => {
    if (!isRecord(moderation)) return;
    const backend = moderation.backend ?? inherited;
    if (backend !== 'llama-guard' && backend !== 'openai') return;
    const target = moderation.target;
    if (target === undefined) {
      if (moderation.backend !== undefined) {
        issues.push({
          path: [...path, 'target'],
          message: `is required for backend "${backend}": "provider/model"`,
        });
      }
      return;
    }
    if (typeof target !== 'string') return;
    const name = target.slice(0, Math.max(0, target.indexOf('/')));
    const provider = providers[name];
    if (!isRecord(provider)) {
      issues.push({
        path: [...path, 'target'],
        message: `names provider "${name}", which is not configured${didYouMean(name, new Set(Object.keys(providers)))}`,
      });
    } else if (backend === 'openai' && provider.type !== 'openai') {
      issues.push({
        path: [...path, 'target'],
        message: `backend "openai" calls /moderations on an "openai" provider; "${name}" is "${String(provider.type)}"`,
      });
    }
  };
  const section = isRecord(root.guardrails) ? root.guardrails : undefined;
  const sectionBackend = isRecord(section?.moderation) ? section.moderation.backend : undefined;
  check(section?.moderation, ['guardrails', 'moderation'], undefined);
  if (isRecord(section?.moderation) && isRecord(section.moderation.models)) {
    for (const [model, override] of Object.entries(section.moderation.models)) {
      check(override, ['guardrails', 'moderation', 'models', model], sectionBackend);
    }
  }
  if (isRecord(root.tenants)) {
    for (const [name, tenant] of Object.entries(root.tenants)) {
      if (isRecord(tenant) && isRecord(tenant.guardrails)) {
        check(tenant.guardrails.moderation, ['tenants', name, 'guardrails', 'moderation'], sectionBackend);
      }
    }
  }
  return issues;
}
