/**
 * The built-in moderation backend: precompiled patterns, no network, run only over the text deltas of an
 * answer (a sentence at a time when streaming). Categories follow the Llama Guard 3 taxonomy
 * (docs/providers.md §7). The patterns look for the shape of harm rather than its topic: instructions to
 * commit a crime or build a weapon, direct encouragement of self-harm, dehumanising claims about a
 * group, sexual content involving minors, leaked identifiers, destructive shell payloads. An answer that
 * discusses a topic (the history of chemical weapons, how suicide hotlines work) passes.
 *
 * Coverage: S1–S4, S7, S9–S12 and S14. Defamation (S5), specialized advice (S6), intellectual property
 * (S8) and elections (S13) need judgement no pattern has; use `llama-guard` or `openai` for them.
 */
import type { HazardCategory } from '../../config/sections/guardrails.ts';
import type { FlaggedSpan, ModerationBackend, ModerationResult } from './types.ts';
import { SAFE } from './types.ts';

interface LocalRule {
  category: HazardCategory;
  pattern: RegExp;
  /** Optional second test on the match (a card number's checksum). */
  confirm?: (match: string) => boolean;
}

/** Words that make a sentence an instruction or a recipe, not a mention. */
const HOW = String.raw`(?:how\s+to|here(?:'s|\s+is)\s+how|steps?\s+(?:to|for)|step\s+\d|first,?\s+(?:you\s+)?|you\s+(?:can|should|will\s+need\s+to|need\s+to)|to\s+(?:make|build|create|assemble|synthesi[sz]e|cook|produce)|instructions?\s+(?:for|to)|recipe\s+for|the\s+(?:best|easiest|simplest)\s+way\s+to)`;

function local(category: HazardCategory, source: string, confirm?: (match: string) => boolean): LocalRule {
  return { category, pattern: new RegExp(source, 'giu'), confirm };
}

export const LOCAL_RULES: readonly LocalRule[] = [
  local(
    'S1',
    String.raw`\b${HOW}\b[^.!?\n]{0,60}?\b(?:kill|murder|assassinate|strangle|stab|kidnap|torture|poison)\s+(?:someone|somebody|a\s+person|people|your\s+\w+|him|her|them|the\s+victim|a\s+child)\b`,
  ),
  local(
    'S1',
    String.raw`\b(?:without\s+leaving\s+(?:any\s+)?(?:evidence|traces?)|dispose\s+of\s+(?:a|the)\s+body|hide\s+(?:a|the)\s+(?:dead\s+)?body)\b`,
  ),
  local(
    'S2',
    String.raw`\b${HOW}\b[^.!?\n]{0,60}?\b(?:cook|make|synthesi[sz]e|produce|manufacture)\s+(?:crystal\s+)?(?:meth(?:amphetamine)?|fentanyl|heroin|cocaine|crack|mdma|lsd)\b`,
  ),
  local(
    'S2',
    String.raw`\b${HOW}\b[^.!?\n]{0,60}?\b(?:launder\s+money|hot-?wire\s+a\s+car|shoplift|steal\s+(?:a\s+car|credit\s+cards?|identities|someone's\s+identity)|skim\s+credit\s+cards|evade\s+taxes|break\s+into\s+(?:a|someone's)\s+(?:house|home|car))\b`,
  ),
  local(
    'S2',
    String.raw`\b(?:phishing\s+(?:email|page|kit)\s+(?:that|to)\s+(?:steal|harvest|capture)|ransomware\s+(?:payload|that\s+encrypts)|keylogger\s+that\s+(?:sends|emails|uploads))\b`,
  ),
  local(
    'S3',
    String.raw`\b(?:put|slip|drop)\s+(?:a\s+|some\s+)?(?:roofie|rohypnol|ghb|sedatives?|drugs?)\s+(?:in|into)\s+(?:her|his|their|someone's)\s+drink\b|\b${HOW}\b[^.!?\n]{0,40}?\b(?:rape|sexually\s+assault|molest)\b`,
  ),
  local(
    'S4',
    String.raw`\b(?:sexual|sexy|nude|naked|erotic|explicit)\b[^.!?\n]{0,40}\b(?:child|children|minors?|kids?|preteens?|underage|(?:[1-9]|1[0-7])[- ]year[- ]olds?)\b|\b(?:child|minor|underage)\s+(?:porn|pornography|sexual\s+abuse\s+material)\b`,
  ),
  local('S7', String.raw`\b\d{3}-\d{2}-\d{4}\b`),
  local('S7', String.raw`\b(?:\d[ -]?){12,18}\d\b`, luhnValid),
  local(
    'S9',
    String.raw`\b${HOW}\b[^.!?\n]{0,80}?\b(?:pipe\s+bomb|nail\s+bomb|dirty\s+bomb|nerve\s+agent|sarin|vx|mustard\s+gas|chlorine\s+gas|anthrax|ricin|botulinum|bioweapon|chemical\s+weapon|nuclear\s+(?:device|weapon|bomb)|explosive\s+(?:device|vest)|napalm|thermite\s+bomb)\b`,
  ),
  local(
    'S9',
    String.raw`\b(?:pack|fill)\s+(?:the\s+)?pipe\s+with\s+(?:\w+\s+){0,2}(?:powder|explosives?)|\benrich(?:ing)?\s+uranium\s+to\s+weapons?[- ]grade|\bweaponi[sz]e\s+(?:anthrax|smallpox|the\s+virus|a\s+pathogen)\b|\b(?:detonator|blasting\s+cap)\s+(?:to|and)\s+(?:the|a)\s+(?:charge|bomb)\b`,
  ),
  local(
    'S10',
    String.raw`\b(?:all|those|these|the)\s+(?:\w+\s+){0,2}(?:are|is)\s+(?:subhuman|vermin|animals|parasites|cockroaches|a\s+disease|genetically\s+inferior)\b`,
  ),
  local(
    'S10',
    String.raw`\b(?:exterminate|eradicate|wipe\s+out|gas)\s+(?:all|the|every)\s+(?:\w+\s+)?(?:jews|muslims|christians|blacks|whites|asians|arabs|immigrants|gays|women|hindus|sikhs|roma)\b`,
  ),
  local(
    'S11',
    String.raw`\b(?:you\s+should|just|go\s+and|why\s+don't\s+you)\s+(?:kill\s+yourself|end\s+your\s+(?:own\s+)?life|hurt\s+yourself|cut\s+yourself)\b`,
  ),
  local(
    'S11',
    String.raw`\b(?:the\s+)?(?:best|painless|easiest|quickest|surest)\s+(?:way|method)s?\s+to\s+(?:kill\s+yourself|commit\s+suicide|end\s+(?:your|my)\s+(?:own\s+)?life)\b|\bhow\s+many\s+(?:pills|tablets)\s+(?:it\s+takes\s+)?to\s+(?:die|overdose|kill\s+yourself)\b`,
  ),
  local(
    'S12',
    String.raw`\b(?:explicit|graphic)\s+sex\s+scene\b|\b(?:his|her)\s+(?:throbbing|erect)\s+(?:cock|penis|member)\b`,
  ),
  local(
    'S14',
    String.raw`\brm\s+-rf\s+(?:--no-preserve-root\s+)?/(?:\s|$|\*)|:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:|\bbash\s+-i\s+>&\s*/dev/tcp/|\bnc\s+(?:-\w+\s+)*-e\s+/bin/(?:ba)?sh\b|\bcat\s+/etc/shadow\b|\bmkfs(?:\.\w+)?\s+/dev/[sh]da\b`,
  ),
];

export class LocalModeration implements ModerationBackend {
  readonly name = 'local';

  check(text: string): ModerationResult {
    let spans: FlaggedSpan[] | undefined;
    for (const rule of LOCAL_RULES) {
      const pattern = rule.pattern;
      pattern.lastIndex = 0;
      let match = pattern.exec(text);
      while (match !== null) {
        if (rule.confirm === undefined || rule.confirm(match[0])) {
          spans ??= [];
          spans.push({ category: rule.category, start: match.index, end: match.index + match[0].length });
        }
        if (match[0].length === 0) pattern.lastIndex++;
        match = pattern.exec(text);
      }
    }
    if (spans === undefined) return SAFE;
    return { categories: [...new Set(spans.map((span) => span.category))], spans };
  }
}

/** Card numbers pass the Luhn checksum; most other long digit runs (order ids, phone numbers) do not. */
function luhnValid(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
