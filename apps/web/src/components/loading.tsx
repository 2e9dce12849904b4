import { useT } from '../i18n/i18n';

export function Loading({ testId = 'loading' }: { testId?: string }) {
  const t = useT();
  return (
    <p className="loading" role="status" data-testid={testId}>
      <span className="spinner" aria-hidden="true" />
      {t.common.loading}
    </p>
  );
}
