import { useEffect, type RefObject } from 'react';

/**
 * A route's title ("Sign in — Portcullis") and, when given, its main heading focused on
 * arrival, so a screen reader starts reading the new page rather than the old body.
 */
export function usePage(title: string, heading?: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    document.title = `${title} — Portcullis`;
    heading?.current?.focus();
  }, [title, heading]);
}
