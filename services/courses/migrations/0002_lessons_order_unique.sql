-- Positions are unique per course, checked at commit: a move renumbers a range of lessons in one UPDATE, and
-- rows pass through a duplicate position midway. Its index also serves lessons by (course_id, "order").
ALTER TABLE "courses"."lessons"
  ADD CONSTRAINT "lessons_course_id_order_key" UNIQUE ("course_id", "order") DEFERRABLE INITIALLY DEFERRED;
