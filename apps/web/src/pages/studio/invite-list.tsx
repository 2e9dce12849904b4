import { useId, useState, type SubmitEvent } from 'react';
import type { Invite } from '../../api/api.types';
import { createInvite, listInvites, revokeInvite, type InviteInput } from '../../api/courses.api';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorMessage, fieldError } from '../../components/error-message';
import { DateTimeField, NumberField } from '../../components/field';
import { Loading } from '../../components/loading';
import { useI18n } from '../../i18n/i18n';
import { useAction } from '../../lib/use-action';
import { fromDateTimeInput } from '../../lib/datetime-input';
import { useResource } from '../../lib/use-resource';

/** The address that opens the course and enrols whoever follows it signed in. */
export function inviteUrl(courseId: number, code: string): string {
  return `${window.location.origin}/courses/${courseId}?invite=${encodeURIComponent(code)}`;
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

interface InviteListProps {
  courseId: number;
  showStatus: (message: string) => void;
}

/** Invite links of a course: create one (uses, expiry), copy it, revoke it. */
export function InviteList({ courseId, showStatus }: InviteListProps) {
  const { t, formatDateTime } = useI18n();
  const id = useId();
  const invites = useResource((signal) => listInvites(courseId, signal), [courseId]);
  const [maxUses, setMaxUses] = useState('');
  const [expiresAt, setExpiresAt] = useState('');
  const { pending, error, run } = useAction();
  const [revoking, setRevoking] = useState<Invite | null>(null);

  const submit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const input: InviteInput = {};
    if (maxUses.trim() !== '') input.max_uses = Number(maxUses);
    const expires = fromDateTimeInput(expiresAt);
    if (expires !== null) input.expires_at = expires;
    run(async () => {
      await createInvite(courseId, input);
      setMaxUses('');
      setExpiresAt('');
      showStatus(t.invites.created);
      invites.reload();
    });
  };

  const copy = (invite: Invite): void => {
    void copyText(inviteUrl(courseId, invite.code)).then((copied) =>
      showStatus(copied ? t.invites.copied : t.invites.copyFailed),
    );
  };

  const confirmRevoke = (): void => {
    const invite = revoking;
    setRevoking(null);
    if (invite === null) return;
    run(async () => {
      await revokeInvite(courseId, invite.code);
      showStatus(t.invites.revoked);
      invites.reload();
    });
  };

  const now = Date.now();

  return (
    <section className="panel stack" aria-labelledby={`${id}-heading`} data-testid="invites">
      <h2 id={`${id}-heading`}>{t.invites.heading}</h2>
      <p className="muted">{t.invites.intro}</p>
      <form className="stack" onSubmit={submit} aria-busy={pending}>
        <div className="form-grid">
          <NumberField
            id={`${id}-uses`}
            min={1}
            label={t.invites.maxUses}
            hint={t.invites.maxUsesHint}
            value={maxUses}
            onChange={setMaxUses}
            error={fieldError(error, 'max_uses')}
            testId="invite-max-uses"
          />
          <DateTimeField
            id={`${id}-expires`}
            label={t.invites.expiresAt}
            hint={t.invites.expiresHint}
            value={expiresAt}
            onChange={setExpiresAt}
            error={fieldError(error, 'expires_at')}
            testId="invite-expires-at"
          />
        </div>
        <div>
          <button type="submit" className="button" data-testid="create-invite">
            {pending ? t.common.saving : t.invites.create}
          </button>
        </div>
      </form>
      {error !== undefined && <ErrorMessage error={error} />}
      {invites.data === undefined ? (
        invites.error !== undefined ? (
          <ErrorMessage error={invites.error} onRetry={invites.reload} />
        ) : (
          <Loading />
        )
      ) : invites.data.length === 0 ? (
        <p className="empty">{t.invites.empty}</p>
      ) : (
        <ul className="row-list" data-testid="invite-list">
          {invites.data.map((invite) => {
            const url = inviteUrl(courseId, invite.code);
            const expired = invite.expires_at !== null && Date.parse(invite.expires_at) <= now;
            return (
              <li key={invite.code} className="row-item" data-testid="invite-row" data-code={invite.code}>
                <div className="row-main stack-sm">
                  <input
                    className="input invite-link"
                    readOnly
                    value={url}
                    aria-label={t.invites.linkFor(invite.code)}
                    onFocus={(event) => event.target.select()}
                    data-testid="invite-url"
                  />
                  <span className="row-meta">
                    <span data-testid="invite-uses">{t.invites.uses(invite.uses, invite.max_uses)}</span>
                    <span>
                      {expired
                        ? t.invites.expired
                        : invite.expires_at === null
                          ? t.invites.neverExpires
                          : t.invites.expires(formatDateTime(invite.expires_at))}
                    </span>
                  </span>
                </div>
                <div className="row-actions">
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    aria-label={t.invites.copyFor(invite.code)}
                    onClick={() => copy(invite)}
                    data-testid="invite-copy"
                  >
                    {t.invites.copy}
                  </button>
                  <button
                    type="button"
                    className="button button-danger-outline button-small"
                    aria-label={t.invites.revokeFor(invite.code)}
                    onClick={() => setRevoking(invite)}
                    data-testid="invite-revoke"
                  >
                    {t.invites.revoke}
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <ConfirmDialog
        message={revoking === null ? null : t.invites.confirmRevoke(revoking.code)}
        confirmLabel={t.invites.revoke}
        onConfirm={confirmRevoke}
        onCancel={() => setRevoking(null)}
      />
    </section>
  );
}
