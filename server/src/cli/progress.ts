/** Progress on a terminal's stderr, redrawn in place at most ten times a second; silent elsewhere. */
export class Progress {
  private last = 0;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly enabled: boolean,
  ) {}

  static forStderr(disabled: boolean): Progress {
    return new Progress(process.stderr, !disabled && process.stderr.isTTY === true);
  }

  update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    this.stream.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  done(): void {
    if (this.enabled && this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
