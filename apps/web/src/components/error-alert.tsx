import { useEffect, useRef } from 'react';

export interface AlertMessage {
  text: string;
  /** Changes with every new error, so the same sentence twice still moves focus again. */
  id: number;
}

/**
 * An error in plain words, announced (role="alert") and focused, so keyboard and screen
 * reader users land on it. Renders nothing without a message.
 */
export function ErrorAlert({ message, id }: { message: AlertMessage | null; id?: string }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (message) ref.current?.focus();
  }, [message]);
  if (!message) return null;
  return (
    <p ref={ref} id={id} role="alert" tabIndex={-1} className="alert">
      {message.text}
    </p>
  );
}

let nextId = 1;
export function alertMessage(text: string): AlertMessage {
  return { text, id: nextId++ };
}
