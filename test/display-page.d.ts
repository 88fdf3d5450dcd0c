// The display page's test hook (declared with the page in player/display/src/main.ts), which browser
// tests read inside the page. The tests' project does not include the page's sources, so it is
// declared here the same way.
interface Window {
  __displayStats: unknown;
}
