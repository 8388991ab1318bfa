/**
 * The one error the parser throws. `stsCode` is the code STS answers a bad AssumeRole `Policy` with (https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes)), so
 * the STS emulator can map it without a lookup table; `message` is the human reason (which element, what is wrong).
 */
export class PolicyGrammarError extends Error {
  readonly stsCode = 'InvalidParameter.PolicyGrammar';

  constructor(reason: string) {
    super(reason);
    this.name = 'PolicyGrammarError';
  }
}
