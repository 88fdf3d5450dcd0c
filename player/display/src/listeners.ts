/**
 * Every event listener the page adds goes through here, so the page can report how many are
 * live. A screen runs for weeks; a count that creeps up between heartbeats is a leak.
 */
export class ListenerRegistry {
  private live = 0;

  add(target: EventTarget, type: string, handler: (event: Event) => void): () => void {
    target.addEventListener(type, handler);
    this.live += 1;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      target.removeEventListener(type, handler);
      this.live -= 1;
    };
  }

  get size(): number {
    return this.live;
  }
}
