import { useI18n } from '../i18n/i18n';

/** Copies a link to the clipboard and says, in the live status region, whether it worked. */
export function CopyLinkButton({
  url,
  label,
  onStatus,
  testId,
}: {
  url: string;
  label: string;
  onStatus: (message: string) => void;
  testId: string;
}) {
  const { t } = useI18n();
  const copy = (): void => {
    navigator.clipboard
      .writeText(url)
      .then(() => onStatus(t.certificates.copied))
      .catch(() => onStatus(t.certificates.copyFailed));
  };
  return (
    <button type="button" className="button button-secondary" onClick={copy} data-testid={testId}>
      {label}
    </button>
  );
}
