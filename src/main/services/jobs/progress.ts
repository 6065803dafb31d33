import type { VolumeProgress } from '../../../shared/contract/jobs.ts';

export interface Progress {
  phase: string;
  done: number;
  total?: number;
  /** what is being worked on, or why the job waits */
  detail?: string;
  /** each volume being copied, while volumes move */
  volumes?: VolumeProgress[];
}
