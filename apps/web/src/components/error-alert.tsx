import { useEffect, useRef, type ReactNode } from 'react';

export interface AlertMessage {
  text: string;
  /** Changes with every new error, so the same sentence twice still moves focus again. */
  id: number;
  /** What to show instead of the text (e.g. with a countdown, lib/countdown.tsx). */
  content?: ReactNode;
}

/**
 * An error in plain words, announced (role="alert") and focused, so keyboard and screen
 * reader users land on it. Renders nothing without a message. With `focus={false}` the page
 * keeps focus where correcting happens (a form field the alert describes).
 */
export function ErrorAlert({
  message,
  id,
  focus = true,
}: {
  message: AlertMessage | null;
  id?: string;
  focus?: boolean;
}) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (message && focus) ref.current?.focus();
  }, [message, focus]);
  if (!message) return null;
  return (
    <p ref={ref} id={id} role="alert" tabIndex={-1} className="alert">
      {message.content ?? message.text}
    </p>
  );
}

let nextId = 1;
export function alertMessage(text: string, content?: ReactNode): AlertMessage {
  return { text, id: nextId++, content };
}
