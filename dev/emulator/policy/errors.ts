/**
 * The one error the parser throws. `stsCode` is the code STS answers a bad AssumeRole `Policy` with (facts A3), so
 * the STS emulator can map it without a lookup table; `message` is the human reason (which element, what is wrong).
 */
export class PolicyGrammarError extends Error {
  readonly stsCode = 'InvalidParameter.PolicyGrammar';

  constructor(reason: string) {
    super(reason);
    this.name = 'PolicyGrammarError';
  }
}
