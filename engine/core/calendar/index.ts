// Exchange calendars and New York time: which minutes the market is open, as UTC instants.

export * from './dates';
export * from './newYork';
export * from './nyse';
