/** A tiny element builder: enough DOM for forms and tables without a framework. */
import { ApiError, errorText, isUnreachable } from './api.ts';
import { t } from './i18n.ts';

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
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
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
 * A form's submit handler: the page stays, `status` and the field errors are emptied, `action`
 * runs, and a failure is shown in the server's own words: each field's problem beside the input
 * named after it (`name` or `data-field`), the rest in `status` (passed through `describe`).
 * When the server could not be reached the status says so and offers to send again.
 */
export function submitInto(
  status: HTMLElement,
  action: () => Promise<void>,
  describe: (text: string) => string = (text) => text,
): EventListener {
  return (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget instanceof HTMLFormElement ? e.currentTarget : null;
    clear(status);
    if (form) clearFieldErrors(form);
    action().catch((err: unknown) => {
      showFailure(status, err, form, describe);
    });
  };
}

/** Shows a failed call: field problems beside their inputs in `form`, the rest in `status`. */
export function showFailure(
  status: HTMLElement,
  err: unknown,
  form: HTMLElement | null,
  describe: (text: string) => string = (text) => text,
): void {
  if (isUnreachable(err) && form instanceof HTMLFormElement) {
    status.appendChild(
      h(
        'div',
        { class: 'msg msg-error', role: 'alert' },
        h('span', null, errorText(err)),
        ' ',
        h(
          'button',
          { type: 'button', class: 'small', onclick: (() => form.requestSubmit()) as EventListener },
          t('retry'),
        ),
      ),
    );
    return;
  }
  const placed = form && err instanceof ApiError ? placeFieldErrors(form, err) : 0;
  // A refusal's summary stays (it says what happened; the fields say where). A plain list of
  // invalid fields would only repeat the notes, so it becomes a pointer to them.
  const onlyNotes =
    err instanceof ApiError && err.code === 'VALIDATION_FAILED' && placed > 0 && placed === err.fields.length;
  status.appendChild(message('error', describe(onlyNotes ? t('fixFields') : errorText(err))));
}

function fieldInput(form: HTMLElement, field: string): HTMLElement | null {
  if (!field) return null;
  const safe = CSS.escape(field);
  return form.querySelector<HTMLElement>(`[name="${safe}"], [data-field~="${safe}"]`);
}

/** Puts each field problem of `err` beside its input; returns how many found their input. */
export function placeFieldErrors(form: HTMLElement, err: ApiError): number {
  let placed = 0;
  for (const f of err.fields) {
    const input = fieldInput(form, f.field);
    if (!input) continue;
    placed++;
    const id = `err-${form.id || 'form'}-${f.field}`;
    let note = form.querySelector<HTMLElement>(`#${CSS.escape(id)}`);
    if (!note) {
      note = h('span', { class: 'field-error', id, 'data-error-for': f.field });
      input.insertAdjacentElement('afterend', note);
    }
    note.textContent = f.message;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', id);
    if (placed === 1) input.focus();
  }
  return placed;
}

export function clearFieldErrors(form: HTMLElement): void {
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function message(kind: 'error' | 'ok' | 'info', text: string): HTMLElement {
  return h('p', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
