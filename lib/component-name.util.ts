/** `OrderProcessingService` → `order_processing`: Dynamo-style component name of a class. */
export function componentNameOf(className: string): string {
  const base =
    className.replace(/(Controller|Service|Provider|Gateway|Resolver)$/, '') || className;
  return snakeCase(base);
}

/** `generateText` → `generate_text`: Dynamo-style endpoint name of a method. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}
