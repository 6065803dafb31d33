/** What a namespace or workload dragged from the drill-down carries onto a cluster card: a migration request without its target. */
export const MIGRATION_DRAG = 'application/x-fleetdeck-migration';
