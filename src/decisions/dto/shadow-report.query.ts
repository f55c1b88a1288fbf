import { TimeRangeQuery } from './time-range.query';

/** The decisions a shadow report counts: all of them without a range. */
export class ShadowReportQuery extends TimeRangeQuery {}
