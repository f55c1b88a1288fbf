/** Injection token of the SignalProviders bundle the decision service evaluates with. */
export const SIGNAL_PROVIDERS = Symbol('SIGNAL_PROVIDERS');
