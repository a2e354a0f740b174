/** The audit ran out of requests: what it could not do is reported as not checkable. */
export class BudgetExhausted extends Error {
  override name = 'BudgetExhausted'
}

/**
 * The bound on what the audit sends: every request — its own and the browser's — is counted
 * against one small budget, so pointing it at a deployment can never become a flood. There is
 * no retry loop and no guessing anywhere: each check sends a fixed, short list of requests.
 */
export class Budget {
  used = 0
  readonly max: number
  constructor(max: number) {
    this.max = max
  }

  /** Counts one request, or throws once the budget is spent. */
  spend(): void {
    if (this.used >= this.max)
      throw new BudgetExhausted(`the request budget (${this.max}) is spent`)
    this.used += 1
  }

  /** Counts one request if the budget allows it (for the browser, which cannot be thrown at). */
  trySpend(): boolean {
    if (this.used >= this.max) return false
    this.used += 1
    return true
  }
}
