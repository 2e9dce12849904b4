import { useEffect } from 'react';
import { useT } from '../i18n/i18n';

export function useDocumentTitle(title: string | undefined): void {
  const appName = useT().app.name;
  useEffect(() => {
    document.title = title === undefined || title === '' ? appName : `${title} · ${appName}`;
  }, [title, appName]);
}
