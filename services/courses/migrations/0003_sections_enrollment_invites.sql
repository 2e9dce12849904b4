CREATE TYPE "courses"."enrollment_policy" AS ENUM('open', 'invite', 'closed');--> statement-breakpoint
CREATE TYPE "courses"."lesson_kind" AS ENUM('text', 'quiz');--> statement-breakpoint
CREATE TABLE "courses"."invite_redemptions" (
	"code" varchar(64) NOT NULL,
	"user_id" bigint NOT NULL,
	"redeemed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invite_redemptions_pkey" PRIMARY KEY("code","user_id")
);
--> statement-breakpoint
CREATE TABLE "courses"."invites" (
	"code" varchar(64) PRIMARY KEY NOT NULL,
	"course_id" bigint NOT NULL,
	"max_uses" integer,
	"uses" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invites_uses_check" CHECK ("courses"."invites"."uses" >= 0 and ("courses"."invites"."max_uses" is null or "courses"."invites"."uses" <= "courses"."invites"."max_uses"))
);
--> statement-breakpoint
CREATE TABLE "courses"."sections" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "courses"."sections_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"course_id" bigint NOT NULL,
	"title" varchar(255) NOT NULL,
	"order" integer NOT NULL,
	"available_from" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sections_order_check" CHECK ("courses"."sections"."order" >= 1)
);
--> statement-breakpoint
ALTER TABLE "courses"."courses" ADD COLUMN "enrollment" "courses"."enrollment_policy" DEFAULT 'open' NOT NULL;--> statement-breakpoint
ALTER TABLE "courses"."courses" ADD COLUMN "capacity" integer;--> statement-breakpoint
ALTER TABLE "courses"."courses" ADD COLUMN "enroll_opens_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "courses"."courses" ADD COLUMN "enroll_closes_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "courses"."courses" ADD COLUMN "sequential" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "courses"."lessons" ADD COLUMN "kind" "courses"."lesson_kind" DEFAULT 'text' NOT NULL;--> statement-breakpoint
ALTER TABLE "courses"."lessons" ADD COLUMN "section_id" bigint;--> statement-breakpoint
ALTER TABLE "courses"."invite_redemptions" ADD CONSTRAINT "invite_redemptions_code_invites_code_fk" FOREIGN KEY ("code") REFERENCES "courses"."invites"("code") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "courses"."invites" ADD CONSTRAINT "invites_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "courses"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "courses"."sections" ADD CONSTRAINT "sections_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "courses"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invites_course_id_idx" ON "courses"."invites" USING btree ("course_id","created_at");--> statement-breakpoint
CREATE INDEX "sections_course_id_order_idx" ON "courses"."sections" USING btree ("course_id","order");--> statement-breakpoint
ALTER TABLE "courses"."lessons" ADD CONSTRAINT "lessons_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "courses"."sections"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lessons_section_id_idx" ON "courses"."lessons" USING btree ("section_id");--> statement-breakpoint
ALTER TABLE "courses"."courses" ADD CONSTRAINT "courses_capacity_check" CHECK ("courses"."courses"."capacity" is null or "courses"."courses"."capacity" >= 0);