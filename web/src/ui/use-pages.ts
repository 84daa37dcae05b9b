import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from '@switchyard/contracts/public-api';
import { asApiError, type ApiError } from '../api/http';

export interface Pages<T> {
  items: T[];
  /** The first page is still on its way. */
  loading: boolean;
  error: ApiError | undefined;
  /** Loads the next page; undefined on the last one. */
  loadMore: (() => void) | undefined;
  /** Tries the failed load again. */
  retry: () => void;
}

/** A cursor-paged list ({items, nextCursor}) read a page at a time, the pages appended in order. */
export function usePages<T>(load: (cursor?: string) => Promise<Page<T>>): Pages<T> {
  const [state, setState] = useState<{ items: T[]; cursor: string | null | undefined; error?: ApiError; loading: boolean }>({ items: [], cursor: undefined, loading: true });
  const busy = useRef(false);
  const fetchPage = useCallback(async (cursor: string | undefined) => {
    if (busy.current) return;
    busy.current = true;
    setState((s) => ({ ...s, error: undefined }));
    try {
      const page = await load(cursor);
      setState((s) => ({ items: [...s.items, ...page.items], cursor: page.nextCursor, loading: false }));
    } catch (err) {
      setState((s) => ({ ...s, error: asApiError(err), loading: false }));
    } finally {
      busy.current = false;
    }
  }, []);
  useEffect(() => void fetchPage(undefined), []);
  const { cursor } = state;
  return {
    items: state.items,
    loading: state.loading,
    error: state.error,
    loadMore: cursor ? () => void fetchPage(cursor) : undefined,
    retry: () => void fetchPage(cursor ?? undefined),
  };
}
