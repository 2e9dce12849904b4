import { useId, useState } from 'react';
import { useSearchParams } from 'wouter';
import { ROLES, type Role, type User } from '../api/api.types';
import { changeRole, listUsers } from '../api/auth.api';
import { useDocumentTitle } from '../components/document-title';
import { ErrorMessage } from '../components/error-message';
import { Loading } from '../components/loading';
import { pageFromParam, Pagination } from '../components/pagination';
import { listHref, SearchBox, useSearchTerm } from '../components/search-box';
import { StatusMessage, useStatus } from '../components/status-message';
import { useI18n } from '../i18n/i18n';
import { useResource } from '../lib/use-resource';
import { useAction } from '../lib/use-action';

const PAGE_SIZE = 20;

interface UserRowProps {
  user: User;
  onChanged: (user: User) => void;
}

function UserRow({ user, onChanged }: UserRowProps) {
  const { t, formatDate } = useI18n();
  const id = useId();
  const [role, setRole] = useState<Role>(user.role);
  const { pending, error, run } = useAction();

  const save = (): void => {
    if (role === user.role) return;
    run(async () => onChanged(await changeRole(user.id, role)));
  };

  return (
    <tr data-testid="user-row" data-user-id={user.id} data-user-email={user.email}>
      <td className="cell-email" data-label={t.admin.email}>
        {user.email}
      </td>
      <td data-label={t.admin.role}>
        <label htmlFor={`${id}-role`} className="visually-hidden">
          {t.admin.roleFor(user.email)}
        </label>
        <select
          id={`${id}-role`}
          className="input input-inline"
          value={role}
          onChange={(event) => setRole(event.target.value as Role)}
          data-testid="user-role-select"
        >
          {ROLES.map((value) => (
            <option key={value} value={value}>
              {t.roles[value]}
            </option>
          ))}
        </select>
        {error !== undefined && <ErrorMessage error={error} />}
      </td>
      <td data-label={t.admin.registered}>{formatDate(user.created_at)}</td>
      <td data-label={t.admin.actions}>
        <button
          type="button"
          className="button button-small"
          aria-disabled={role === user.role}
          aria-label={t.admin.saveRoleFor(user.email)}
          onClick={save}
          data-testid="user-role-save"
        >
          {pending ? t.common.saving : t.common.save}
        </button>
      </td>
    </tr>
  );
}

export function AdminPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const page = pageFromParam(params.get('page'));
  const q = useSearchTerm();
  const users = useResource(
    (signal) => listUsers({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, q }, signal),
    [page, q],
    { keepPrevious: true },
  );
  const [status, showStatus] = useStatus();
  useDocumentTitle(t.admin.title);

  const data = users.data;
  const pages =
    data !== undefined && data.total !== null ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : page;

  const onChanged = (updated: User): void => {
    users.setData((current) =>
      current === undefined
        ? current
        : {
            ...current,
            items: current.items.map((item) => (item.id === updated.id ? { ...item, ...updated } : item)),
          },
    );
    showStatus(t.admin.roleChanged(updated.email, t.roles[updated.role]));
  };

  return (
    <div className="stack-lg">
      <div className="section-head">
        <h1>{t.admin.title}</h1>
        {data !== undefined && data.total !== null && (
          <span className="muted">{t.admin.userCount(data.total)}</span>
        )}
      </div>
      <SearchBox
        label={t.admin.searchLabel}
        placeholder={t.admin.searchPlaceholder}
        button={t.admin.searchButton}
        testId="users-search"
      />
      {users.error !== undefined && <ErrorMessage error={users.error} onRetry={users.reload} />}
      {data === undefined ? (
        users.loading && <Loading />
      ) : data.items.length === 0 ? (
        <p className="empty">{q === '' ? t.admin.empty : t.admin.noMatches}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="users-table" aria-busy={users.loading}>
            <thead>
              <tr>
                <th scope="col">{t.admin.email}</th>
                <th scope="col">{t.admin.role}</th>
                <th scope="col">{t.admin.registered}</th>
                <th scope="col">
                  <span className="visually-hidden">{t.admin.actions}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((user) => (
                <UserRow key={user.id} user={user} onChanged={onChanged} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={page} pages={pages} hrefFor={(n) => listHref('/admin', q, n)} />
      <StatusMessage message={status} />
    </div>
  );
}
