/** The part of plotly.js-dist-min (a UMD bundle without types) that the page uses. */
declare module 'plotly.js-dist-min' {
  const Plotly: {
    react(element: HTMLElement, data: object[], layout: object, config?: object): Promise<unknown>;
    purge(element: HTMLElement): void;
  };
  export default Plotly;
}
