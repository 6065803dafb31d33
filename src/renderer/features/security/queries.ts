import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.ts';
import { keys } from '../../data/keys.ts';

/** The fleet's audit: read live from every cluster when the screen opens, and again when asked. */
export const useAudit = () => useQuery({ queryKey: keys.security.audit(), queryFn: () => api.security.audit({}), staleTime: 60_000 });
