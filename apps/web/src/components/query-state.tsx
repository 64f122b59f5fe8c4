"use client";

/**
 * What a page shows while its main read is loading or after it failed: "Loading …" in muted
 * text, then the API's message as an alert (after `failedPrefix` when given).
 */
export function QueryState(props: {
  query: { isPending: boolean; isError: boolean; error: { message: string } | null };
  loading: string;
  failedPrefix?: string;
}) {
  const { query } = props;
  if (query.isPending) return <p className="muted">{props.loading}</p>;
  if (query.isError)
    return (
      <p role="alert" className="error">
        {props.failedPrefix}
        {query.error?.message}
      </p>
    );
  return null;
}
