/** The modes of bench/servers/traced-proxy-app.ts that export their spans (to the sink proxy-app.ts starts). */
export const exportingMode = (mode: string): boolean => mode === 'sampled' || mode === 'kit-client';
