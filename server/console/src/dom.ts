/** A tiny element builder: enough DOM for forms and tables without a framework. */
import { errorText } from './api.ts';

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener> & {
  dataset?: never;
};

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function')
        el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
      else if (k === 'class') el.className = String(v);
      else if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else
      el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/**
 * A form's submit handler: the page stays, `status` is emptied, `action` runs, and a failure is
 * shown in `status` in the server's own words (passed through `describe` when given).
 */
export function submitInto(
  status: HTMLElement,
  action: () => Promise<void>,
  describe: (text: string) => string = (text) => text,
): EventListener {
  return (async (e: Event) => {
    e.preventDefault();
    clear(status);
    try {
      await action();
    } catch (err) {
      status.appendChild(message('error', describe(errorText(err))));
    }
  }) as EventListener;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function message(kind: 'error' | 'ok' | 'info', text: string): HTMLElement {
  return h('p', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
