// Fake provider servers for tests and the README's end-to-end example.
export { startFakeProvider, type FakeProvider, type FakeProviderOptions, type RecordedRequest } from './fakeProvider';
export { dialectFor } from './dialects';
export { isRejection, Rejection, type FakeHttpRequest } from './dialect';
export * from './script';
