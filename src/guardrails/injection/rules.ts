/**
 * The prompt-injection rules, read over folded text (normalize.ts: lower case, NFKC, no invisibles, no
 * homoglyphs, spaced-out words joined). Each rule has a stable name that goes into the log line and the
 * 400's message, so an operator can see which one fired and tune the tenant's mode.
 *
 * The rules aim at the shapes an attack needs, not at topics: an instruction to drop the instructions
 * that came before (`ignore all previous instructions`), chat-template tokens and fake role headers that
 * try to open a new system turn, and persona jailbreaks that declare the model unrestricted. Benign
 * look-alikes stay clear on purpose: "disregard my previous message" (the user's own words, not the
 * operator's instructions), a tutorial that explains what a system prompt is, "forget the previous
 * example". test/fixtures/guardrails/injection-corpus.json holds both kinds; its test prints precision
 * and recall and fails below 0.9 recall or above 0.03 false positives.
 *
 * `scope` says what `strip` removes: `sentence` for instructions and personas (the sentence carrying them
 * is the attack), `match` for template tokens (the text around them stays, without its fake role).
 */

export type InjectionKind = 'override' | 'role_marker' | 'persona' | 'prompt_leak';

export interface InjectionRule {
  name: string;
  kind: InjectionKind;
  scope: 'sentence' | 'match';
  pattern: RegExp;
}

const ALL = String.raw`(?:(?:all|any|every|each|the|your|their|its|these|those|of|prior)\s+)*`;
const EARLIER = String.raw`(?:previous|prior|preceding|above|earlier|former|original|initial|existing|foregoing|old|given|system|developer|default|current)`;
const ORDERS = String.raw`(?:instructions?|directions|prompts?|rules|directives?|guidelines|commands?|programming|constraints|restrictions|guardrails|policies|orders|system\s+prompt|system\s+message)`;
const DROP = String.raw`(?:ignore|disregard|forget|bypass|override|overrule|discard|abandon|neglect|skip|drop|erase|delete|cancel)`;

function rule(name: string, kind: InjectionKind, scope: 'sentence' | 'match', source: string): InjectionRule {
  return { name, kind, scope, pattern: new RegExp(source, 'u') };
}

export const INJECTION_RULES: readonly InjectionRule[] = [
  // Instructions to drop the instructions before them.
  rule(
    'ignore_previous_instructions',
    'override',
    'sentence',
    String.raw`\b${DROP}\s+${ALL}${EARLIER}\s+(?:\w+\s+){0,2}${ORDERS}\b`,
  ),
  rule(
    'ignore_everything_before',
    'override',
    'sentence',
    String.raw`\b${DROP}\s+(?:all\s+of\s+)?(?:everything|anything|all)\s+(?:(?:that\s+)?(?:you\s+(?:were|have\s+been)\s+(?:told|given|instructed)|(?:was\s+)?(?:said|written|stated)\s+)?\s*(?:above|before|previously|earlier|so\s+far|until\s+now)|(?:in\s+)?your\s+(?:instructions|prompt|programming|rules|training))`,
  ),
  rule(
    'your_programming',
    'override',
    'sentence',
    String.raw`\b(?:forget|ignore|disregard|abandon|bypass)\s+(?:all\s+(?:of\s+)?)?your\s+(?:programming|training|instructions|rules|guidelines|directives|safeguards|filters|guardrails|restrictions)\b`,
  ),
  rule(
    'instructions_void',
    'override',
    'sentence',
    String.raw`\b(?:previous|above|prior|earlier|original|system)\s+(?:instructions|rules|prompt)\s+(?:are|is|were)\s+(?:now\s+)?(?:void|null|cancell?ed|revoked|obsolete|no\s+longer\s+(?:valid|apply|applicable|in\s+effect)|fake|overridden)`,
  ),
  rule(
    'new_instructions',
    'override',
    'sentence',
    String.raw`(?:^|\n|[.!?]\s*)\s*(?:\*\*)?(?:your\s+)?(?:new|real|actual|updated|true|revised)\s+(?:system\s+)?(?:instructions|rules|prompt|directive|orders)\s*(?:are|is)?\s*:`,
  ),
  rule(
    'disable_safety',
    'override',
    'sentence',
    String.raw`\b(?:override|bypass|disable|ignore|deactivate|turn\s+off|switch\s+off|circumvent|remove)\s+(?:all\s+)?(?:of\s+)?(?:your|the|any)?\s*(?:safety|content|ethical|moral)\s+(?:filters?|guidelines|restrictions|policies|protocols|settings|guardrails|rules|training)`,
  ),
  rule(
    'prompt_leak',
    'prompt_leak',
    'sentence',
    String.raw`\b(?:reveal|print|show|output|repeat|leak|display|dump|recite|tell\s+me|give\s+me|what\s+(?:is|are|was|were))\s+(?:me\s+)?(?:all\s+)?your\s+(?:(?:entire|full|complete|original|hidden|initial|secret|exact|confidential)\s+)*(?:system\s+prompt|system\s+message|initial\s+prompt|hidden\s+instructions|original\s+instructions|instructions\s+verbatim|pre-?prompt)`,
  ),
  rule(
    'prompt_leak_above',
    'prompt_leak',
    'sentence',
    String.raw`\b(?:repeat|print|output|reveal)\s+(?:the\s+)?(?:words|text|everything)\s+above\s+(?:this\s+line|starting\s+with|verbatim)`,
  ),
  // Chat-template tokens and fake role headers: a new turn the operator never wrote.
  rule(
    'chat_template_token',
    'role_marker',
    'match',
    String.raw`<\|\s*(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|eom_id|start_header_id|end_header_id|begin_of_text|header_start|header_end|eot|end|start)\s*\|>(?:[ \t]*(?:system|user|assistant|developer)\b)?`,
  ),
  rule('inst_marker', 'role_marker', 'match', String.raw`\[\s*/?\s*inst\s*\]`),
  rule('sys_marker', 'role_marker', 'match', String.raw`<<\s*/?\s*sys\s*>>`),
  rule('gemma_turn_marker', 'role_marker', 'match', String.raw`<\s*(?:start|end)_of_turn\s*>`),
  rule(
    'markdown_role_header',
    'role_marker',
    'match',
    String.raw`(?:^|\n)[ \t]*#{1,6}[ \t]*(?:system|system\s+prompt|system\s+message|new\s+instructions|instruction|admin|developer)[ \t]*:`,
  ),
  rule('human_assistant_turn', 'role_marker', 'match', String.raw`\n\n(?:human|assistant)\s*:`),
  rule(
    'fake_system_line',
    'role_marker',
    'sentence',
    String.raw`(?:^|\n)[ \t]*[[(]?(?:system|system\s+message|system\s+note|admin|administrator|developer|root|sudo|operator)[\])]?[ \t]*:[ \t]*(?:you\s+(?:are|must|will|shall|should)|ignore|new\s+(?:rule|instruction)|from\s+now|the\s+(?:assistant|ai|model)\s+(?:must|will|is)|override|disregard|forget)`,
  ),
  rule(
    'bracketed_system_tag',
    'role_marker',
    'sentence',
    String.raw`[[{(<]\s*(?:system|admin|developer|sudo|root)\s*(?:override|message|instructions?|prompt|note|command|mode)\s*[\]})>]`,
  ),
  // Persona jailbreaks: a character whose point is having no rules.
  rule(
    'do_anything_now',
    'persona',
    'sentence',
    String.raw`\bdo\s+anything\s+now\b|\byou\s+(?:are|will\s+be|shall\s+be)\s+(?:now\s+)?(?:called\s+)?dan\b|\bdan\s+mode\b`,
  ),
  rule(
    'unrestricted_persona',
    'persona',
    'sentence',
    String.raw`\b(?:act|pretend|behave|roleplay|role-play|respond|answer|function|operate)\s+(?:as|like|to\s+be)\s+(?:if\s+you\s+(?:are|were)\s+)?(?:an?\s+)?(?:\w+\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken|unchained|amoral|unethical|lawless|unaligned|rogue)\b`,
  ),
  rule(
    'no_restrictions',
    'persona',
    'sentence',
    String.raw`\byou\s+(?:are|have|now\s+have|are\s+now|have\s+now)\s+(?:been\s+)?(?:freed|liberated|released|no\s+longer\s+(?:bound|restricted|limited|constrained)|(?:no|zero)\s+(?:restrictions|limits|limitations|rules|filters|guidelines|boundaries|ethics|morals|censorship))`,
  ),
  rule(
    'no_longer_bound',
    'persona',
    'sentence',
    String.raw`\b(?:you(?:'re|\s+are)\s+)?(?:no\s+longer|not)\s+(?:bound|restricted|constrained|limited)\s+by\s+(?:any\s+|your\s+|the\s+)?(?:rules|restrictions|guidelines|polic(?:y|ies)|openai|anthropic|ethics|filters|programming|content\s+policy)`,
  ),
  rule(
    'without_restrictions',
    'persona',
    'sentence',
    String.raw`\b(?:respond|answer|reply|talk|speak|act|write|operate)\s+(?:\w+\s+){0,4}?without\s+(?:any\s+)?(?:(?:ethical|moral|safety|content)\s+(?:restrictions|limitations|guidelines|filters|boundaries)|censorship|filters|filtering|refusals|warnings\s+or\s+refusals)`,
  ),
  rule(
    'special_mode',
    'persona',
    'sentence',
    String.raw`\b(?:developer|god|jailbreak|jailbroken|unrestricted|evil|sudo)\s+mode\s*(?:is\s+)?(?:now\s+)?(?:enabled|activated|unlocked|engaged)\b|\b(?:enable|activate|enter|unlock|switch\s+to)\s+(?:the\s+)?(?:jailbreak|unrestricted|evil|dan)\s+mode\b`,
  ),
  rule(
    'evil_persona',
    'persona',
    'sentence',
    String.raw`\b(?:always\s+intelligent\s+and\s+machiavellian|evil\s+confidant|opposite\s+mode|anti-?gpt|your\s+evil\s+twin)\b`,
  ),
  // Other languages: the override and persona shapes in Spanish, French, German, Italian, Portuguese,
  // Russian, Chinese, Japanese and Korean (accents kept: NFKC leaves them).
  rule(
    'ignore_previous_es',
    'override',
    'sentence',
    String.raw`\b(?:ignora|ignore|ignoren|olvida|olvide|olviden|omite|descarta|desestima)\s+(?:todas?\s+)?(?:las\s+|tus\s+|sus\s+)?(?:instrucciones|indicaciones|reglas|órdenes|directrices)\s+(?:anteriores|previas|de\s+arriba|originales)|\b(?:ignora|olvida)\s+todo\s+lo\s+(?:anterior|que\s+te\s+dijeron)`,
  ),
  rule(
    'ignore_previous_fr',
    'override',
    'sentence',
    String.raw`\b(?:ignore|ignorez|oublie|oubliez|ne\s+tiens\s+pas\s+compte\s+des)\s+(?:toutes\s+)?(?:les\s+|tes\s+|vos\s+)?(?:instructions|consignes|règles|directives)\s+(?:précédentes|antérieures|ci-dessus|initiales|d'origine)|\b(?:ignore|oublie|ignorez|oubliez)\s+tout\s+ce\s+qui\s+précède`,
  ),
  rule(
    'ignore_previous_de',
    'override',
    'sentence',
    String.raw`\b(?:ignoriere|ignorier|ignorieren\s+sie|vergiss|vergessen\s+sie|missachte|missachten\s+sie)\s+(?:alle\s+|die\s+)?(?:vorherigen|bisherigen|vorigen|obigen|früheren|vorangegangenen|ursprünglichen)\s+(?:anweisungen|instruktionen|befehle|regeln|vorgaben)|\b(?:ignoriere|vergiss)\s+alles\s+(?:vorherige|bisherige|davor|obige)`,
  ),
  rule(
    'ignore_previous_it',
    'override',
    'sentence',
    String.raw`\b(?:ignora|ignorate|dimentica|dimenticate)\s+(?:tutte\s+)?(?:le\s+)?(?:istruzioni|regole|indicazioni|direttive)\s+(?:precedenti|sopra|iniziali)`,
  ),
  rule(
    'ignore_previous_pt',
    'override',
    'sentence',
    String.raw`\b(?:ignore|ignora|esqueça|esqueca|desconsidere)\s+(?:todas\s+)?(?:as\s+)?(?:instruções|instrucoes|regras|orientações|diretrizes)\s+(?:anteriores|acima|prévias|iniciais)`,
  ),
  rule(
    'ignore_previous_ru',
    'override',
    'sentence',
    String.raw`(?:игнорируй|игнорируйте|проигнорируй|забудь|забудьте|не\s+обращай\s+внимания\s+на)\s+(?:все\s+)?(?:предыдущие|прежние|вышеуказанные|прошлые|предшествующие|свои|исходные)\s+(?:инструкции|указания|правила|команды)`,
  ),
  rule(
    'ignore_previous_zh',
    'override',
    'sentence',
    String.raw`(?:忽略|无视|忘记|忘掉|不要理会|忽视|忽略掉)(?:你)?(?:之前|以上|上面|前面|先前|此前|所有|原来|原有)(?:的)?(?:所有)?(?:的)?(?:指令|指示|说明|规则|提示|命令|设定|要求)`,
  ),
  rule(
    'ignore_previous_ja',
    'override',
    'sentence',
    String.raw`(?:以前|前|上記|これまで|先ほど|最初)の(?:すべての|全ての)?(?:指示|命令|ルール|指令|設定)を(?:すべて|全て)?(?:無視|忘れ)`,
  ),
  rule(
    'ignore_previous_ko',
    'override',
    'sentence',
    String.raw`(?:이전|앞의|위의|기존)\s*(?:모든\s*)?(?:지시|지침|명령|규칙|지시사항)(?:을|를|은|는)?\s*(?:모두\s*)?(?:무시|잊어)`,
  ),
  rule(
    'persona_es',
    'persona',
    'sentence',
    String.raw`\b(?:ahora\s+eres|actúa\s+como|finge\s+(?:ser|que\s+eres))\b.{0,60}\bsin\s+(?:ninguna\s+)?(?:restricciones|restricción|filtros|censura|límites|reglas)`,
  ),
  rule(
    'persona_fr',
    'persona',
    'sentence',
    String.raw`\b(?:tu\s+es\s+maintenant|agis\s+comme|fais\s+comme\s+si\s+tu\s+étais)\b.{0,60}\bsans\s+(?:aucune\s+)?(?:restrictions?|filtres?|censure|limites?|règles)`,
  ),
  rule(
    'persona_de',
    'persona',
    'sentence',
    String.raw`\b(?:du\s+bist\s+(?:jetzt|nun|ab\s+sofort)|verhalte\s+dich\s+wie)\b.{0,60}\b(?:ohne\s+(?:jegliche\s+)?(?:einschränkungen|filter|zensur|regeln|grenzen)|uneingeschränkt)`,
  ),
  rule(
    'persona_zh',
    'persona',
    'sentence',
    String.raw`(?:你现在是|你是一个|扮演|假装你是).{0,20}(?:没有任何|没有|不受|无)(?:任何)?(?:限制|约束|规则|过滤|审查)`,
  ),
  rule(
    'persona_ru',
    'persona',
    'sentence',
    String.raw`(?:теперь\s+ты|ты\s+теперь|притворись)\s.{0,60}(?:без\s+(?:каких-либо\s+)?(?:ограничений|фильтров|цензуры|правил))`,
  ),
];

/**
 * One cheap pass before the rules: every rule needs at least one of these words or tokens, so text
 * without any of them (most prompts) skips the rule table. 11.6 µs → about 1 µs for a 120-character
 * ASCII prompt (the rule table costs a pass per rule; docs/performance.md "Guardrails"). A rule added
 * without its word here is caught by test/guardrails/injection/prefilter.test.ts, which checks that the
 * prefilter never hides a rule's match over the corpus.
 */
export const INJECTION_PREFILTER =
  /ignor|disregard|forget|bypass|overrid|overrule|discard|abandon|neglect|skip|drop|erase|delete|cancel|disable|deactivat|turn\s+off|switch\s+off|circumvent|remove|instruction|rules|prompt|directive|orders|above|<\||<<|inst|_of_turn|system|admin|developer|human|assistant|root|sudo|operator|anything\s+now|dan|unrestricted|unfiltered|uncensored|jailbr|unchained|amoral|unethical|lawless|unaligned|rogue|freed|liberated|released|no\s+longer|restrict|limit|filter|guideline|boundar|ethic|moral|censor|bound|constrain|without|mode|machiavellian|evil|gpt|olvid|omit|descart|desestim|ahora\s+eres|actúa|finge|oubli|tiens\s+pas|maintenant|agis|fais\s+comme|vergiss|vergessen|missacht|du\s+bist|verhalte|dimentica|esque|desconsider|игнор|забуд|обращай|теперь|притворись|忽略|无视|忘|不要理会|忽视|你现在是|你是一个|扮演|假装|無視|무시|잊어/u;
