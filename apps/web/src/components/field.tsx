import type { ComponentProps } from 'react';
import { ErrorAlert, type AlertMessage } from './error-alert';

/**
 * A step's one input with its label and the alert about it: required, focused on arrival,
 * and while there is an error, invalid and described by the alert (after `about`, the id of
 * whatever else describes it). Focus stays in the field, so correcting needs no Shift+Tab.
 */
export function Field({
  label,
  error,
  about,
  ...input
}: ComponentProps<'input'> & {
  id: string;
  label: string;
  error: AlertMessage | null;
  about?: string;
}) {
  const errorId = `${input.id}-error`;
  return (
    <>
      <label htmlFor={input.id}>{label}</label>
      <input
        autoFocus
        required
        aria-invalid={!!error || undefined}
        aria-describedby={error ? `${about ?? ''} ${errorId}`.trim() : about}
        {...input}
      />
      <ErrorAlert message={error} id={errorId} focus={false} />
    </>
  );
}
