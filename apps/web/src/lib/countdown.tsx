import { useSecondsUntil } from './use-seconds-until';

/**
 * The text with its wait counting down. Screen readers get the sentence once as announced
 * (the changing number is aria-hidden), not a new announcement every second.
 */
export function Countdown({
  text,
  wait,
}: {
  text: string;
  wait: { phrase: string; until: number };
}) {
  const seconds = useSecondsUntil(wait.until);
  const at = text.indexOf(wait.phrase);
  if (at < 0) return <>{text}</>;
  return (
    <>
      {text.slice(0, at)}
      <span aria-hidden="true">
        {seconds > 0 ? `in ${seconds} second${seconds === 1 ? '' : 's'}` : 'now'}
      </span>
      <span className="visually-hidden">{wait.phrase}</span>
      {text.slice(at + wait.phrase.length)}
    </>
  );
}
