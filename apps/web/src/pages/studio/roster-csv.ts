import { useState } from 'react';
import { downloadRosterCsv } from '../../api/progress.api';
import { useI18n } from '../../i18n/i18n';
import { saveFile } from '../../lib/save-file';

/** The roster as a CSV file, for the roster and analytics pages: one download at a time, its error, its status. */
export function useRosterCsv(courseId: number, showStatus: (message: string) => void) {
  const { t } = useI18n();
  const [downloading, setDownloading] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const download = (): void => {
    if (downloading) return;
    setDownloading(true);
    setError(undefined);
    downloadRosterCsv(courseId)
      .then((blob) => {
        saveFile(blob, `course-${courseId}-learners.csv`);
        showStatus(t.roster.downloaded);
      })
      .catch((reason: unknown) => setError(reason))
      .finally(() => setDownloading(false));
  };
  return { download, downloading, error };
}
