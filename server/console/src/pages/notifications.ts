import { post, get } from '../api.ts';
import { h, message, submitInto } from '../dom.ts';
import { fmtDateTime } from '../fmt.ts';
import { t } from '../i18n.ts';
import type { PageContext } from '../main.ts';

interface NotificationList {
  unread: number;
  email: string | null;
  items: {
    id: number;
    kind: string;
    subject: string;
    message: string;
    createdAt: string;
    read: boolean;
    emailedAt: string | null;
  }[];
}

/** Alerts and digests for the signed-in person, and where their e-mails go. */
export async function notificationsPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  const list = await get<NotificationList>('/notifications');
  root.append(h('h1', null, t('navNotifications')));
  const status = h('div', { id: 'email-status' });
  const email = h('input', {
    id: 'alert-email',
    name: 'email',
    type: 'email',
    autocomplete: 'email',
    value: list.email ?? '',
  });
  root.appendChild(
    h(
      'form',
      {
        class: 'card',
        id: 'email-form',
        onsubmit: submitInto(status, async () => {
          await post('/notifications/email', { email: email.value.trim() || null });
          status.appendChild(message('ok', t('saved')));
        }),
      },
      h('p', { class: 'muted' }, t('alertEmailHelp')),
      h('label', null, t('alertEmail'), email),
      h('button', { type: 'submit', id: 'email-submit' }, t('save')),
      status,
    ),
  );
  if (!list.items.length) {
    root.appendChild(h('p', { class: 'muted' }, t('noNotifications')));
    return;
  }
  root.appendChild(
    h(
      'ul',
      { class: 'notifications', id: 'notifications' },
      list.items.map((n) => {
        const li = h(
          'li',
          { class: `card notification ${n.read ? 'read' : 'unread'}`, 'data-kind': n.kind, 'data-id': n.id },
          h('h2', null, n.subject),
          h(
            'p',
            { class: 'muted' },
            fmtDateTime(n.createdAt, ctx.zone),
            n.emailedAt ? ` · ${t('emailed')}` : '',
          ),
          h('p', { class: 'notification-text' }, n.message),
        );
        if (!n.read)
          li.appendChild(
            h(
              'button',
              {
                type: 'button',
                class: 'small',
                onclick: (async () => {
                  await post(`/notifications/${n.id}/read`);
                  ctx.navigate('/notifications');
                }) as EventListener,
              },
              t('markRead'),
            ),
          );
        return li;
      }),
    ),
  );
}
