-- Before enrolment existed, completing a lesson was how a learner joined a course: everyone with a completion in
-- a course becomes enrolled in it, since their first completion, and the seats count them.
INSERT INTO "progress"."enrollments" ("course_id", "user_id", "enrolled_at")
SELECT "course_id", "user_id", "started_at" FROM "progress"."course_progress"
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "progress"."course_seats" ("course_id", "taken")
SELECT "course_id", count(*) FROM "progress"."enrollments" GROUP BY "course_id"
ON CONFLICT ("course_id") DO UPDATE SET "taken" = excluded."taken";
