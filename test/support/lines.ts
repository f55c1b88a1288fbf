/** The test operator's lines, against a clock pinned at NOW. */
export const NOW = new Date('2026-06-15T12:00:00Z');

export const LINE = {
  established: '+34611000001',
  newLine: '+34611000002',
  simSwapped5h: '+34611000003',
  simSwapped48h: '+34611000004',
  recycled: '+34611000005',
  noSwapData: '+34611000006',
  notSubscriber: '+34699999999',
} as const;

export const TEST_LINES = [
  { phoneNumber: LINE.established, subscriberSince: '2018-01-10', contractType: 'PAYM', latestSimChange: '2018-01-10T10:00:00Z', latestDeviceChange: '2025-01-01T00:00:00Z' },
  { phoneNumber: LINE.newLine, subscriberSince: '2026-06-05', contractType: 'PAYG', latestSimChange: '2026-06-05T09:00:00Z', latestDeviceChange: '2026-06-05T09:00:00Z' },
  { phoneNumber: LINE.simSwapped5h, subscriberSince: '2020-02-02', contractType: 'PAYM', latestSimChange: '2026-06-15T07:00:00Z', latestDeviceChange: '2025-01-01T00:00:00Z' },
  { phoneNumber: LINE.simSwapped48h, subscriberSince: '2020-02-02', contractType: 'PAYM', latestSimChange: '2026-06-13T12:00:00Z', latestDeviceChange: '2025-01-01T00:00:00Z' },
  { phoneNumber: LINE.recycled, subscriberSince: '2026-03-01', contractType: 'PAYM', latestSimChange: '2026-03-01T10:00:00Z', latestDeviceChange: '2026-03-01T10:00:00Z' },
  { phoneNumber: LINE.noSwapData, subscriberSince: '2015-05-05' },
];
