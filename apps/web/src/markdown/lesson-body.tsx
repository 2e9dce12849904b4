import { Component, type ReactNode } from 'react';

interface LessonBodyBoundaryProps {
  /** What the reader sees instead of a lesson body that failed to render. */
  fallback: ReactNode;
  children: ReactNode;
}

/**
 * Contains a rendering failure of a lesson's body (hostile or broken markdown) to that body: the page around
 * it, the course contents and the navigation keep working. Give it a `key` per lesson, so the next lesson
 * starts afresh.
 */
export class LessonBodyBoundary extends Component<LessonBodyBoundaryProps, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render(): ReactNode {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}
