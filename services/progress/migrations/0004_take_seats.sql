-- Seats for a batch of enrolment requests in one statement, hence one round trip: per course, in course id order
-- (so batches on several replicas cannot deadlock), it locks the course's seat row, then enrols the requested
-- learners who are not enrolled yet, in arrival order, while seats last (capacity null: unlimited), and counts
-- them. Each query of a volatile function takes a new snapshot, so the one after the lock sees every enrolment
-- that other batches (any replica) committed before it. Answers every requested learner enrolled now; `fresh` for
-- the ones enrolled here. A learner left out got no seat.
CREATE FUNCTION "progress"."take_seats"(
	"group_courses" bigint[],
	"group_capacities" integer[],
	"request_courses" bigint[],
	"request_users" bigint[]
) RETURNS TABLE ("seat_course_id" bigint, "seat_user_id" bigint, "seat_enrolled_at" timestamptz, "seat_fresh" boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	"current_course" bigint;
	"current_capacity" integer;
BEGIN
	FOR "current_course", "current_capacity" IN
		SELECT "g"."course_id", "g"."capacity"
		FROM unnest("group_courses", "group_capacities") AS "g" ("course_id", "capacity")
		ORDER BY "g"."course_id"
	LOOP
		INSERT INTO "progress"."course_seats" AS "seats" ("course_id", "taken") VALUES ("current_course", 0)
		ON CONFLICT ("course_id") DO UPDATE SET "taken" = "seats"."taken";
		RETURN QUERY
		WITH "requested" AS (
			SELECT "r"."user_id", "r"."arrival"
			FROM unnest("request_courses", "request_users") WITH ORDINALITY AS "r" ("course_id", "user_id", "arrival")
			WHERE "r"."course_id" = "current_course"
		),
		"newcomers" AS (
			SELECT "requested"."user_id", row_number() OVER (ORDER BY "requested"."arrival") AS "place"
			FROM "requested"
			WHERE NOT EXISTS (
				SELECT 1 FROM "progress"."enrollments" "e"
				WHERE "e"."course_id" = "current_course" AND "e"."user_id" = "requested"."user_id")
		),
		"free" AS (SELECT "s"."taken" FROM "progress"."course_seats" "s" WHERE "s"."course_id" = "current_course"),
		"inserted" AS (
			INSERT INTO "progress"."enrollments" ("course_id", "user_id", "enrolled_at")
			SELECT "current_course", "newcomers"."user_id", now() FROM "newcomers", "free"
			WHERE "current_capacity" IS NULL OR "newcomers"."place" <= "current_capacity" - "free"."taken"
			ORDER BY "newcomers"."place"
			ON CONFLICT DO NOTHING
			RETURNING "enrollments"."user_id", "enrollments"."enrolled_at"
		),
		"counted" AS (
			UPDATE "progress"."course_seats" SET "taken" = "course_seats"."taken" + (SELECT count(*) FROM "inserted")
			WHERE "course_seats"."course_id" = "current_course"
		)
		SELECT "current_course", "inserted"."user_id", "inserted"."enrolled_at", true FROM "inserted"
		UNION ALL
		SELECT "current_course", "e"."user_id", "e"."enrolled_at", false
		FROM "progress"."enrollments" "e" JOIN "requested" ON "requested"."user_id" = "e"."user_id"
		WHERE "e"."course_id" = "current_course";
	END LOOP;
END
$$;
