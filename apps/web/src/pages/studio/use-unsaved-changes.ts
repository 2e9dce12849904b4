import { useCallback, useEffect, useState } from 'react';
import { useLocation } from 'wouter';

export interface UnsavedChangesGuard {
  /** The in-app address a click was held back from, while the user is asked; null otherwise. */
  pendingHref: string | null;
  leave: () => void;
  stay: () => void;
}

/**
 * While `dirty`, leaving the page is never silent: closing or reloading the tab gets the browser's own warning,
 * and a click on an in-app link (the header's too) or the browser's Back and Forward within the app are held
 * until the user confirms.
 */
export function useUnsavedChanges(dirty: boolean): UnsavedChangesGuard {
  const [, navigate] = useLocation();
  const [pendingHref, setPendingHref] = useState<string | null>(null);

  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent): void => {
      event.preventDefault();
    };
    // Capture on the document runs before the router's handler on the link, so the navigation can be held.
    const onClick = (event: MouseEvent): void => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
      if (!(link instanceof HTMLAnchorElement) || link.target !== '' || link.hasAttribute('download')) return;
      const url = new URL(link.href);
      if (url.origin !== window.location.origin) return;
      const href = `${url.pathname}${url.search}${url.hash}`;
      if (href === currentHref()) return;
      event.preventDefault();
      event.stopPropagation();
      setPendingHref(href);
    };
    // Back or Forward has already changed the address when popstate arrives. A capturing listener runs before the
    // router's, so the router never sees it: the page puts its own address back and asks.
    const here = currentHref();
    const onPopState = (event: PopStateEvent): void => {
      const href = currentHref();
      if (href === here) return;
      event.stopImmediatePropagation();
      window.history.pushState(null, '', here);
      setPendingHref(href);
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('popstate', onPopState, true);
    document.addEventListener('click', onClick, true);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      window.removeEventListener('popstate', onPopState, true);
      document.removeEventListener('click', onClick, true);
    };
  }, [dirty]);

  const leave = useCallback(() => {
    const href = pendingHref;
    setPendingHref(null);
    if (href !== null) navigate(href);
  }, [navigate, pendingHref]);
  const stay = useCallback(() => setPendingHref(null), []);
  return { pendingHref, leave, stay };
}

function currentHref(): string {
  return `${window.location.pathname}${window.location.search}${window.location.hash}`;
}
