import { LightAbort, type AbortSignalLike } from './lightAbort';

/** Aborts a try's signal when its time-out passes (a plain function: no closure per try). */
const abortTry = (controller: LightAbort): void => controller.abort();

/**
 * The one abort signal of a request, shared by all its tries (they run one after another). The
 * caller's cancel and a try's time-out both abort it. A time-out ends only its own try, so the
 * try after it gets a new signal, made only then: most requests never time out. The signals
 * are LightAborts, not AbortSignals, which cost microseconds each to make and to listen to.
 */
export class RequestAbort {
  private controller = new LightAbort();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onCancel: (() => void) | undefined;
  /** Rejects the wait of the route in progress, so a backoff never holds a cancelled caller. */
  private rejectWait: (() => void) | undefined;

  /** `caller`: the caller's cancel, if it can cancel. */
  constructor(private readonly caller: AbortSignalLike | undefined) {
    if (caller && !caller.aborted) {
      this.onCancel = () => {
        this.controller.abort();
        this.rejectWait?.();
      };
      caller.addEventListener('abort', this.onCancel, { once: true });
    }
  }

  /** The caller cancelled the request. */
  get cancelled(): boolean {
    return this.caller?.aborted === true;
  }

  /** The caller's own signal, for the policies' cancel checks (undefined when it cannot cancel). */
  get callerSignal(): AbortSignalLike | undefined {
    return this.caller;
  }

  /** The signal of the try in progress (or of the next one): aborted on cancel too. */
  get signal(): AbortSignalLike {
    return this.controller;
  }

  /** Starts a try: its signal, aborted on cancel or after `timeoutMs`. End it with `endTry`. */
  beginTry(timeoutMs: number): AbortSignalLike {
    // The previous try timed out: its signal stays aborted, so this one needs its own.
    if (this.controller.aborted && !this.cancelled) this.controller = new LightAbort();
    this.timer = setTimeout(abortTry, timeoutMs, this.controller);
    return this.controller;
  }

  /**
   * Ends a try. Its signal is not aborted: aborting a finished call's signal would make undici
   * tear down the kept-alive connection it just reused.
   */
  endTry(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** `run`, unless the caller cancels first: then the error `cancelled` makes, at once. */
  race<T>(run: Promise<T>, cancelled: () => Error): Promise<T> {
    if (!this.onCancel) return run;
    return new Promise<T>((resolve, reject) => {
      this.rejectWait = () => reject(cancelled());
      run.then(resolve, reject);
    });
  }

  /** The request is over: stops listening to the caller's signal. */
  dispose(): void {
    this.endTry();
    if (this.onCancel) this.caller!.removeEventListener('abort', this.onCancel);
  }
}
